// The docs site of the Checkout SDK, built with Docusaurus (docs/ served under /docs, static/ at the site root).
module.exports = {
  title: 'Northwind Pay Checkout SDK',
  url: 'https://sdk.northwind-pay.example',
  baseUrl: '/',
  presets: [['classic', {docs: {sidebarPath: undefined}}]],
};
