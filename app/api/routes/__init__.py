"""One APIRouter per area; `app.main.create_app` includes them all."""
