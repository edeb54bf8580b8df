"""What every stage may import, and which imports no stage: the plain data passed between stages
(``types``), the exception family (``errors``), sentence and clause utilities (``text``), word stems safe
across threads (``words``), the offline English word list (``english``), checks on hostile text
(``guards``) and masking of personal data (``privacy``). Nothing here loads a model or reads a store's
files.
"""
