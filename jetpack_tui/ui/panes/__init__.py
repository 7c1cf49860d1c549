"""The dashboard's panes, one module (or folder) each; see :mod:`.base`."""
