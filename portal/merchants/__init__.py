"""Merchants (应用场景): applications approved by an ecology official, and the offers their staff
publish for citizens to redeem points against."""
