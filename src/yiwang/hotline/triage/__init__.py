"""Appeal triage: type, category, departments, jurisdiction, urgency, emergency redirect, with a confidence."""
