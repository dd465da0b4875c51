// JSON Forms with its Material renderers (the set that renders a string-or-object choice) and no
// UI schema: the schema alone decides the form. What an admin console adds around it:
// - defaults filled in, as JSON Forms documents it (an Ajv with `useDefaults`);
// - a Save button: JSON Forms has none. Saving with errors shows them (validation mode
//   ValidateAndShow, as a console does after a first failed save) and lists them, each with the
//   title of the schema that failed: JSON Forms shows a rule on a list only as an error badge on
//   the list, and its message ("must NOT be valid") does not say which rule;
// - secrets masked: the stock renderers mask a text only on a UI-schema option, so one renderer
//   does it for every string the schema marks `format: password`.
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { JsonForms } from '@jsonforms/react';
import { createAjv, and, isStringControl, rankWith, schemaMatches } from '@jsonforms/core';
import {
  MaterialTextControl,
  materialCells,
  materialRenderers,
} from '@jsonforms/material-renderers';
import { Button, Container } from '@mui/material';
import { fail, loadSchema, refused, saved } from './harness.js';

const PasswordControl = (props) => (
  <MaterialTextControl
    {...props}
    uischema={{ ...props.uischema, options: { ...props.uischema.options, format: 'password' } }}
  />
);
const renderers = [
  ...materialRenderers,
  {
    tester: rankWith(3, and(isStringControl, schemaMatches((s) => s.format === 'password'))),
    renderer: PasswordControl,
  },
];
const ajv = createAjv({ useDefaults: true });

function Page({ schema }) {
  const [data, setData] = useState({});
  const [errors, setErrors] = useState([]);
  const [mode, setMode] = useState('ValidateAndHide');
  const [shown, setShown] = useState([]);
  const save = () => {
    if (errors.length === 0) {
      setShown([]);
      saved(data);
    } else {
      setMode('ValidateAndShow');
      setShown(errors);
      refused();
    }
  };
  return (
    <Container maxWidth="md" sx={{ my: 2 }}>
      <JsonForms
        schema={schema}
        data={data}
        renderers={renderers}
        cells={materialCells}
        ajv={ajv}
        validationMode={mode}
        onChange={({ data, errors }) => {
          setData(data);
          setErrors(errors ?? []);
        }}
      />
      <Button variant="contained" onClick={save} sx={{ mt: 2 }}>
        Save
      </Button>
      {shown.length > 0 && (
        <ul className="save-errors" style={{ color: '#d32f2f' }}>
          {shown.map((error, i) => (
            <li key={i}>
              {[error.instancePath || '/', error.parentSchema?.title, error.message]
                .filter(Boolean)
                .join(': ')}
            </li>
          ))}
        </ul>
      )}
    </Container>
  );
}

try {
  const schema = await loadSchema();
  createRoot(document.getElementById('app')).render(
    <StrictMode>
      <Page schema={schema} />
    </StrictMode>,
  );
} catch (error) {
  fail(error);
}
