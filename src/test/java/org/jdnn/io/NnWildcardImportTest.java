package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.jdnn.nn.*;
import org.junit.jupiter.api.Test;

/**
 * Compiling this file is most of the test: it imports org.jdnn.nn with a wildcard beside the implicit
 * java.lang import and names Layer and Module. Had org.jdnn.nn a class named like one in java.lang (it had
 * Module), every such simple name would be ambiguous and this file would not compile.
 */
class NnWildcardImportTest {
  @Test
  void layerAndJavaLangNamesResolveUnderAWildcardImport() {
    try (Layer model = new Sequential(new Linear(3, 2), new ReLU())) {
      assertEquals(3 * 2 + 2, model.parameterCount());
    }
    assertSame(java.lang.Module.class, Module.class, "Module is java.lang's");
    assertSame(java.lang.Object.class, Object.class);
  }
}
