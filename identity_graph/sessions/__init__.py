"""Sessions and bearer credentials for the GraphQL API: who is calling (the ``Viewer``)."""
