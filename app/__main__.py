"""`python -m app` runs the server, exactly like the `bptt-explorer` console script."""

from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
