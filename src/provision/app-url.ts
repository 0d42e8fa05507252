// Datadog's web app lives on app.<site> for the two-label sites (datadoghq.com, datadoghq.eu, ddog-gov.com) and on
// the site itself for the regional ones (us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com).

/** https://app.datadoghq.com, https://us3.datadoghq.com... */
export const appBaseUrl = (site: string): string =>
  site.split(".").length <= 2 ? `https://app.${site}` : `https://${site}`;

/** The link a person opens for a dashboard id. */
export const dashboardUrl = (site: string, id: string): string => `${appBaseUrl(site)}/dashboard/${id}`;
