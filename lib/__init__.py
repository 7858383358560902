"""The floor: plain helpers every app may import. No models, and nothing here imports an app."""
