"""Public-welfare projects (公益): the operator's projects, their updates and donations."""
