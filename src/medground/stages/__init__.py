"""Pipeline stages: views, regions, synthesis and checks."""
