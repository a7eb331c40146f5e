"""Autograding: run an instructor's tests against student submissions and report scores for course platforms."""
