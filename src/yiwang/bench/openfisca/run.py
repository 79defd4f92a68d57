"""OpenFisca model of 中小微企业一次性留工培训补助 and its timed calculation over a benchmark's subjects.

Mirrors ``policies/data/hrss-retention-training-subsidy.yaml``: small, medium and micro enterprises with at least
one insured employee last month, no social-insurance arrears and not listed as seriously dishonest or abnormal
receive 500 yuan per insured employee, at most 1,000,000 yuan (whole yuan, rounded down).

Run by the Python of the benchmark's separate virtual environment (``openfisca-core`` installed there)::

    python run.py INPUTS.npz OUTPUT.npy PERIOD REPEATS

``INPUTS.npz`` holds the profile columns the policy reads, one array each, as exported by
``yiwang.bench.policies_data.export_openfisca_inputs``. Only ``simulation.calculate`` is timed; building the
simulation and setting its inputs are not. Prints one JSON line: best wall and CPU seconds, each run, version.
"""
# mypy: disable-error-code="import-not-found", allow-subclassing-any

from __future__ import annotations

import importlib.metadata
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

PARAMETERS = Path(__file__).with_name("parameters")
SIZE_CODES = ("大", "中", "小", "微")
"""Order of the size classes as exported (index = code)."""

Enterprise = build_entity(key="enterprise", plural="enterprises", label="市场主体", is_person=True)


class SizeClass(Enum):
    """企业规模（统计上大中小微型企业划分办法）, in the order of ``SIZE_CODES``."""

    large = "大"
    medium = "中"
    small = "小"
    micro = "微"


class size_class(Variable):  # noqa: N801 - OpenFisca names variables by their class names
    """企业规模."""

    value_type = Enum
    possible_values = SizeClass
    default_value = SizeClass.micro
    entity = Enterprise
    definition_period = DateUnit.MONTH
    label = "企业规模"


class insured_employees(Variable):  # noqa: N801
    """上月社保参保人数 (NaN when the month has no record)."""

    value_type = float
    entity = Enterprise
    definition_period = DateUnit.MONTH
    label = "社保参保人数"


class social_insurance_arrears(Variable):  # noqa: N801
    """近 12 个月社会保险欠费合计（元）."""

    value_type = float
    entity = Enterprise
    definition_period = DateUnit.MONTH
    label = "社保欠费"


class serious_dishonesty(Variable):  # noqa: N801
    """列入严重失信主体名单."""

    value_type = bool
    entity = Enterprise
    definition_period = DateUnit.MONTH
    label = "严重失信"


class abnormal_listed(Variable):  # noqa: N801
    """列入经营异常名录."""

    value_type = bool
    entity = Enterprise
    definition_period = DateUnit.MONTH
    label = "经营异常"


class retention_training_eligible(Variable):  # noqa: N801
    """符合留工培训补助申报条件."""

    value_type = bool
    entity = Enterprise
    definition_period = DateUnit.MONTH
    label = "符合一次性留工培训补助条件"

    def formula(self, period: Any) -> Any:
        """All four conditions of the policy; a missing headcount (NaN) fails ``>= 1``."""
        size = self("size_class", period)
        sme = (size == SizeClass.medium) + (size == SizeClass.small) + (size == SizeClass.micro)
        staffed = self("insured_employees", period) >= 1
        no_arrears = self("social_insurance_arrears", period) == 0
        clean = np.logical_not(self("serious_dishonesty", period) + self("abnormal_listed", period))
        return sme * staffed * no_arrears * clean


class retention_training_subsidy(Variable):  # noqa: N801
    """一次性留工培训补助（元，取整到元）."""

    value_type = float
    entity = Enterprise
    definition_period = DateUnit.MONTH
    label = "一次性留工培训补助"

    def formula(self, period: Any, parameters: Any) -> Any:
        """Insured employees × per-head amount, capped, rounded down; 0 when not eligible."""
        rules = parameters(period).hrss.retention_training
        eligible = self("retention_training_eligible", period)
        headcount = np.nan_to_num(self("insured_employees", period))
        amount = np.floor(np.minimum(headcount * rules.per_head, rules.cap))
        return np.where(eligible, amount, 0.0)


class PolicySystem(TaxBenefitSystem):
    """The tax-benefit system: one entity, the variables above and the parameter tree in ``parameters/``."""

    def __init__(self) -> None:
        super().__init__([Enterprise])
        self.load_parameters(str(PARAMETERS))
        for variable in (
            size_class,
            insured_employees,
            social_insurance_arrears,
            serious_dishonesty,
            abnormal_listed,
            retention_training_eligible,
            retention_training_subsidy,
        ):
            self.add_variable(variable)


def calculate(system: PolicySystem, inputs: Any, period: str) -> tuple[float, float, Any]:
    """One fresh simulation over the inputs; returns (wall and CPU seconds of ``calculate`` only, awards)."""
    count = len(inputs["size_code"])
    simulation = SimulationBuilder().build_default_simulation(system, count=count)
    simulation.set_input("size_class", period, inputs["size_code"].astype(np.int16))
    for name in ("insured_employees", "social_insurance_arrears", "serious_dishonesty", "abnormal_listed"):
        simulation.set_input(name, period, inputs[name])
    started, cpu = time.perf_counter(), time.process_time()
    awards = simulation.calculate("retention_training_subsidy", period)
    return time.perf_counter() - started, time.process_time() - cpu, awards


def main(argv: list[str]) -> None:
    """Time the calculation ``repeats`` times (a fresh simulation each, so nothing is cached) and save awards."""
    inputs_path, output_path, period, repeats = argv[1], argv[2], argv[3], int(argv[4])
    system = PolicySystem()
    with np.load(inputs_path) as data:
        inputs = {name: data[name] for name in data.files}
    runs: list[float] = []
    cpu_runs: list[float] = []
    awards: Any = None
    for _ in range(max(1, repeats)):
        seconds, cpu_seconds, awards = calculate(system, inputs, period)
        runs.append(seconds)
        cpu_runs.append(cpu_seconds)
    np.save(output_path, np.asarray(awards, dtype=np.int64))
    result = {
        "seconds": min(runs),
        "cpu_seconds": min(cpu_runs),
        "runs": [round(s, 6) for s in runs],
        "subjects": len(inputs["size_code"]),
        "openfisca_version": importlib.metadata.version("openfisca-core"),
        "numpy_version": np.__version__,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
