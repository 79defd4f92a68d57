"""``yiwang hotline triage`` / ``retrain``: triage JSON Lines from stdin; retrain the model as a job."""

from __future__ import annotations

import typer


def triage() -> None:
    """从标准输入读取 JSON Lines（{"text": ...}），每行输出一条分拨结果 JSON。"""
    raise typer.Exit(code=2)


def retrain() -> None:
    """用种子语料和话务员纠错记录重新训练分拨模型。"""
    raise typer.Exit(code=2)
