// List cursors that continue after an instant: "<ms>_<id>", the last item's time and id. The time has at most 13
// digits (before the year 2286), so a forged cursor cannot name an instant a database date cannot hold (SecantusDB
// refuses years past 9999): it is refused with a 400 like any cursor the API did not give.

/** A cursor's pattern, with the instant's digits and the id (matching `id`) captured. */
export const timeCursor = (id: RegExp) => new RegExp(`^(\\d{1,13})_(${id.source})$`);
