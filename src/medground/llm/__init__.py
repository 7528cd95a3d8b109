"""VLM backends through OpenAI-compatible servers: client, request cache, prompts."""
