"""Command line: typer commands that load, call the engines and render (no maths here)."""
