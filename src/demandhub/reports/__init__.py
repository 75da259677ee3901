"""What the measures show to people: charts, the live dashboard, the board report, comparisons between forces."""
