"""Readers for image and label files. Each raises CaseError naming the file and the problem."""
