// Shapes of the booking API both browser apps read (Client API and Admin API answer the same booking, staff's with
// the customer added), declared once.

/** Integer minor units (pence for GBP). */
export type Money = { amount: number; currency: string };

export type Location = { id: string; name: string; timeZone: string; address?: string };

export type ResourceKind = 'staff' | 'room' | 'equipment';

export type BookingStatus = 'confirmed' | 'cancelled';

export type Booking = {
  id: string;
  status: BookingStatus;
  start: string;
  end: string;
  local: { date: string; time: string };
  timeZone: string;
  service: { id: string; name: string; durationMinutes: number; price: Money };
  resource: { id: string; name: string };
  location: Location;
  canCancel: boolean;
  cancelDeadline: string | null;
  lateCancellationNote?: string;
  createdAt: string;
  cancelledAt?: string;
};
