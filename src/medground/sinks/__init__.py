"""Writers of the dataset's files."""
