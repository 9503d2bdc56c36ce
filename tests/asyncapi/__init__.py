"""Tests of chanx-asyncapi: generator, route discovery, views, command and docs page."""
