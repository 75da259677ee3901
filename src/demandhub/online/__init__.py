"""Online reports from the public: the form, photos, a reference back, the handler's view."""
