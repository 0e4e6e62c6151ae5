"""HTTP layer: blueprints, uploads, problem+json errors, OpenAPI. The only package (with
app.py) that imports Flask."""
