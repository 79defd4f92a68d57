"""政策直达.

policies as rules in a safe expression language, subject profiles, batch matching, explanations, budget simulation.
"""
