package io.leasecr.node.plot;

/** Which end of a text its x is: START (left for unrotated text), MIDDLE, END. */
enum Anchor {
  START, MIDDLE, END
}
