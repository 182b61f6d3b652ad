"""Storage: models, migrations, the operations that change state, and queries."""
