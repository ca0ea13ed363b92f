"""Bulk update of many returns from one CSV or XLSX file.

``parsing`` reads bytes into rows and checks them without a database; ``reads`` looks up what
the checks need in a fixed number of queries; ``save`` creates, checks and applies an upload;
``tasks`` runs a check or save in the request or on the worker; ``xlsx`` writes the template
workbook; ``views`` and ``urls`` are the pages. Dependencies run one way, down that list from
``views``: nothing here imports ``returns.tasks``.
"""
