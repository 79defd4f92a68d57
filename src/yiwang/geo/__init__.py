"""Geography: Chengdu's divisions (GB/T 2260 + statistical codes), boundaries, unit grids and geocoding."""
