"""Participant selection: quotas, caps, policies and the fair lottery."""
