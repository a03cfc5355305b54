"""Partner platforms: their registration (``registration``), the links through which they refer
to citizens (``links``), the verification of their signed requests (``signatures``) and the reads
their pages need (``queries``). Their records arrive through ``portal.activities.intake``."""
