package io.leasecr.node.plot;

import java.awt.Color;

/** Font size in pixels, weight, colour and horizontal anchor of a text. */
record TextStyle(double size, boolean bold, Color colour, Anchor anchor) {

  TextStyle at(Anchor other) {
    return new TextStyle(size, bold, colour, other);
  }
}
