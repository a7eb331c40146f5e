"""Reports: the checker's results rendered for people and for machines."""
