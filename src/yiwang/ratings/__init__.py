"""好差评: ratings of service instances, rectification of bad ratings with callbacks, appeals and statistics."""
