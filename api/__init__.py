"""HTTP layer: FastAPI app, thin routes, auth and server-rendered pages."""
