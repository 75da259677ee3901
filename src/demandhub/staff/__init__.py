"""Staff development and welfare: training and CPD with due dates, supervision notes,
exposure to traumatic incidents with debrief prompts, welfare check-ins."""
