"""The resolution-without-deployment desk: grade 4 callbacks to resolution, and grade 3
appointments booked in the slots each area has."""
