"""Staff accounts: users with roles (staff, marketing, admin) who sign in to the API and the pages."""
