"""Campaigns (主题活动): themed days and local campaigns that multiply the points of chosen
scenarios for a while, paying the extra from a budget held in the ledger.

``calendar`` reads the themed days (``data/themed_days.yaml``) and their dates each year;
``rules`` is the pure arithmetic (multipliers, caps, grace window, validation); ``services``
holds the operator's commands (save, fund); ``bonuses`` the ``campaign_bonuses`` job that pays
bonus points after quantification; ``queries`` the reads of the pages.
"""
