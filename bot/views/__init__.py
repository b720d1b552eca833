"""Interactive pieces of answers: views with buttons and modals."""
