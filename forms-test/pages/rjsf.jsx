// react-jsonschema-form (core theme, on Bootstrap 3's stylesheet, which the core theme's markup
// is written for), with its Ajv 8 validator and no UI schema: the schema alone decides the form.
import 'bootstrap/dist/css/bootstrap.css';
import { createRoot } from 'react-dom/client';
import Form from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import { fail, loadSchema, refused, saved } from './harness.js';

try {
  const schema = await loadSchema();
  createRoot(document.getElementById('app')).render(
    <div className="container" style={{ maxWidth: 760, margin: '16px auto' }}>
      <Form
        schema={schema}
        validator={validator}
        onSubmit={({ formData }) => saved(formData)}
        onError={() => refused()}
      />
    </div>,
  );
} catch (error) {
  fail(error);
}
