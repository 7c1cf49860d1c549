"""Full screens of the dashboard."""
