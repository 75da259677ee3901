"""Planning the hub's staff: demand forecasts and the handlers needed to meet each channel's answer standard."""
