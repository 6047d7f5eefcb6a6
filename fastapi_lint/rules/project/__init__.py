"""FAS9xx: project-wide rules, run once on the project index."""
