"""The TAXII 2.1 server of the hybrid-threat hub, mounted at ``/taxii2/``.

:mod:`api` holds the router, :mod:`errors` the TAXII error message bodies (section 3.6.1 of
the OASIS TAXII 2.1 specification) and :func:`errors.install_taxii_handlers`, :mod:`params`
the content negotiation and the parsing of URL parameters, :mod:`schemas` the resources.
"""
