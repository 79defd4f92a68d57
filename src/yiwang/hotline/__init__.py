"""12345 hotline.

intake from every channel, triage, routing, time limits, supervision, reply, callback, rating; Open311 GeoReport v2.
"""
