"""Stand-in for torchvision.io (qwen_vl_utils reads videos with it; the tests have none)."""
