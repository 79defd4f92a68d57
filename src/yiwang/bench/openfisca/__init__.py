"""An OpenFisca tax-benefit system for one shipped policy, used only by ``yiwang bench policies``.

``run.py`` is executed by the Python of a separate virtual environment that has ``openfisca-core`` installed
(the benchmark creates it in a cache directory); the project never imports it. ``parameters/`` is the system's
OpenFisca parameter tree. Keeping the system here, beside the benchmark, versions it with the policy it mirrors
(``policies/data/hrss-retention-training-subsidy.yaml``).
"""
