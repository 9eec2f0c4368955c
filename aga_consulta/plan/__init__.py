"""The published action plan: commitments, milestones, progress reports and their evidence."""
