"""chanx-asyncapi: the `chanx.asyncapi` package."""
