"""Workflow engine (流程引擎): process definitions as data, cases, time limits, queues and the timer worker."""
