"""Small shared helpers that are not an app. Imports no app."""
