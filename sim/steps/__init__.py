"""The five alliance steps, one module each, plus the firms' internal R&D.

Each module holds pure-ish functions over the firms' state arrays and the
alliance log; the model calls them in order every tick.
"""
