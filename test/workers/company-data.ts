// Complete invoice data for test merchants and customers: every invoice Tarif issues needs the
// seller's company settings and the buyer's billing address (§ 14 (4) UStG).
export const COMPANY_SETTINGS = {
  legalName: "Stadtwerke Test GmbH",
  address: { line1: "Hauptstraße 1", postalCode: "80331", city: "München", country: "DE" },
  vatId: "DE123456789",
  taxNumber: "143/123/45678",
  email: "rechnung@stadtwerke-test.de",
  phone: "+49 89 123456",
  registerEntry: "Amtsgericht München HRB 12345",
  managingDirectors: "Erika Mustermann",
  smallBusiness: false,
  // Not one of the customers' IBANs of the fixtures, so the at-rest scan does not flag the seller.
  iban: "DE35370400440532013099",
  bic: "COBADEFFXXX",
};

export const BILLING_ADDRESS = {
  line1: "Gartenweg 5",
  postalCode: "10115",
  city: "Berlin",
  country: "DE",
};
